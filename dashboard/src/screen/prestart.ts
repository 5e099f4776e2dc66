import { screenCredentials } from '../api/credentials.js';
import { liveClient } from '../api/live-client.js';
import { ops } from '../api/operations.js';
import { prefetchLiveTopic } from '../composables/use-live-topic.js';
import { prefetchScreenContext } from '../composables/use-screen-context.js';
import { contextScope } from './screen.logic.js';

/**
 * The first steps of the big screen and the portal widget, taken as soon as the entry runs, while the
 * page's own code is still loading: the screen context request (scope and top regions), the graphql-ws
 * connection, and, once the scope is known, the overview subscription (the total and good rate shown
 * first). The page's `useScreenContext` and `useOverview` take these over (with the snapshot already
 * received), so the first figures no longer wait for the page's download and first render.
 */
export function prestartScreen(search: string): void {
  const credentials = screenCredentials(search);
  const query = new URLSearchParams(search);
  liveClient(credentials);
  prefetchScreenContext(credentials).then(
    (res) => {
      const c = res.data;
      if (!c) return;
      const filter = contextScope(
        { role: c.me.role, regionCode: c.me.regionCode, departmentId: c.me.departmentId, topRegions: c.regions },
        { region: query.get('region'), department: query.get('department') },
      );
      // The same query and variables as useOverview's, so that it finds this subscription.
      prefetchLiveTopic(ops.screenOverview, { filter }, credentials);
    },
    () => undefined, // useScreenContext reports the failure and retries
  );
}
