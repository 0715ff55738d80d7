/** The UI's pages, in the order the navigation lists them. */
export const routes = [
  { path: 'generate', label: 'Images' },
  { path: 'chat', label: 'Chat' },
  { path: 'explorer', label: 'Explorer' },
  { path: 'calculator', label: 'Staking calculator' },
  { path: 'settings', label: 'Settings' },
] as const;

export type Route = (typeof routes)[number]['path'];
export type Page = Route | 'not-found';

/**
 * The page an address's hash names. Only `#/…` names a page: any other hash (`#main` from the skip link,
 * `#key=…`) keeps the current page. An unknown `#/…` is 'not-found', shown as such rather than silently
 * replaced by the Images page.
 *
 * @example
 * routeOf('#/chat', 'generate'); // 'chat'
 * routeOf('#/staking', 'generate'); // 'not-found'
 */
export function routeOf(hash: string, current: Page): Page {
  if (hash === '' || hash === '#' || hash === '#/') return 'generate';
  if (!hash.startsWith('#/')) return current;
  const path = hash.slice(2).split(/[?&]/)[0];
  return routes.find((route) => route.path === path)?.path ?? 'not-found';
}
