import { afterEach, describe, expect, it, vi } from 'vitest';
import { useAction } from '../../dashboard/src/composables/use-action.js';
import { WorkspaceError } from '../../dashboard/src/workspace/errors.js';

describe('useAction: the busy / error / done flow of the workspace pages', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('is busy while the work runs, clears the last error and message, and keeps what the work leaves', async () => {
    const { busy, error, done, run } = useAction();
    error.value = 'old error';
    done.value = 'old message';
    let seenBusy = false;
    const ok = await run(async () => {
      seenBusy = busy.value;
      expect(error.value).toBeNull();
      expect(done.value).toBeNull();
      done.value = '已保存';
    });
    expect(ok).toBe(true);
    expect(seenBusy).toBe(true);
    expect(busy.value).toBe(false);
    expect(done.value).toBe('已保存');
  });

  it('shows a failure as errorText does: the catalog text for a known code, else the server message', async () => {
    const { busy, error, run } = useAction();
    expect(await run(() => Promise.reject(new WorkspaceError('locked', 'ACCOUNT_LOCKED')))).toBe(false);
    expect(error.value).toMatch(/锁定/);
    expect(busy.value).toBe(false);
    await run(() => Promise.reject(new WorkspaceError('服务器的说明', 'BAD_USER_INPUT')));
    expect(error.value).toBe('服务器的说明');
  });

  it('asks first when told to, and does nothing when the answer is no', async () => {
    const confirm = vi.fn(() => false);
    vi.stubGlobal('window', { confirm });
    const { done, run } = useAction();
    done.value = 'kept';
    const work = vi.fn(() => Promise.resolve());
    expect(await run(work, { confirm: '确定停用？' })).toBe(false);
    expect(confirm).toHaveBeenCalledWith('确定停用？');
    expect(work).not.toHaveBeenCalled();
    expect(done.value).toBe('kept');
    confirm.mockReturnValue(true);
    expect(await run(work, { confirm: '确定停用？' })).toBe(true);
    expect(work).toHaveBeenCalledOnce();
  });

  it('keeps the message of an earlier action when a reload says so', async () => {
    const { done, run } = useAction();
    done.value = '已重试 #3';
    await run(() => Promise.resolve(), { keepDone: true });
    expect(done.value).toBe('已重试 #3');
  });
});
