import { onMounted, ref, shallowRef } from 'vue';
import { errorCode, request } from '../api/http.js';
import tryDemoRating from '../../../schema/operations/try-demo-rating.graphql?raw';

export interface SystemInfo {
  demo: boolean;
  siteName: string | null;
  version: string;
}

/** What the installation is (demo data or real) for the home page: `{ data, state }`. */
export function useSystemInfo() {
  const data = shallowRef<SystemInfo | null>(null);
  const state = ref<'loading' | 'live' | 'error'>('loading');
  onMounted(async () => {
    try {
      data.value = (await request<{ systemInfo: SystemInfo }>('{ systemInfo { demo siteName version } }')).data?.systemInfo ?? null;
      state.value = data.value ? 'live' : 'error';
    } catch {
      state.value = 'error';
    }
  });
  return { data, state };
}

export interface DemoTicket {
  projectNo: string;
  serviceNumber: number;
  itemName: string;
  departmentName: string;
  token: string;
  path: string;
  expiresAt: string;
}

/** "Try a rating": asks the server for an invented service and its receipt token (demo data only). `{ data, state, error, run }`. */
export function useDemoTicket() {
  const data = shallowRef<DemoTicket | null>(null);
  const state = ref<'idle' | 'loading' | 'live' | 'error'>('idle');
  const error = ref<{ code: string | null; message: string } | null>(null);
  async function run(): Promise<void> {
    state.value = 'loading';
    error.value = null;
    try {
      const res = await request<{ tryDemoRating: DemoTicket }>(tryDemoRating);
      if (res.data?.tryDemoRating) {
        data.value = res.data.tryDemoRating;
        state.value = 'live';
        return;
      }
      error.value = { code: errorCode(res) ?? null, message: res.errors?.[0]?.message ?? '' };
    } catch (err) {
      error.value = { code: null, message: err instanceof Error ? err.message : String(err) };
    }
    state.value = 'error';
  }
  return { data, state, error, run };
}
