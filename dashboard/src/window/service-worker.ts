/**
 * Registers the device service worker for the device's own pages only (scope `/window/` or
 * `/terminal/`): other pages of the product stay untouched. Browsers allow service workers on HTTPS
 * and on localhost only; on a plain-HTTP hall intranet the page still works online, and its answers
 * are still kept (IndexedDB needs no secure context), but it cannot load while the server is down.
 */
export function registerDeviceWorker(kind: 'window' | 'terminal'): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/sw.js', { scope: `/${kind}/` }).catch((err: unknown) => {
    console.warn('device service worker not registered', err);
  });
}
