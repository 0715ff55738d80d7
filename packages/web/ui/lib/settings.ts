// Where the UI keeps what the user chose: the bridge API key and the mode. localStorage only; nothing leaves
// the browser except to the bridge that served the page (or, in DApp mode, to the chain and the relay).
const keyItem = 'verinet.apiKey';
const modeItem = 'verinet.mode';

export type Mode = 'bridge' | 'dapp';

/** Takes `#key=…` from the address once (the devnet prints such a link) and removes it from the address bar. */
export function adoptKeyFromHash(): void {
  const match = /(?:^#|&)key=([^&]+)/.exec(location.hash);
  if (!match?.[1]) return;
  localStorage.setItem(keyItem, decodeURIComponent(match[1]));
  history.replaceState(null, '', `${location.pathname}${location.search}#/generate`);
}

export function getApiKey(): string {
  return localStorage.getItem(keyItem) ?? '';
}

export function setApiKey(key: string): void {
  if (key) localStorage.setItem(keyItem, key.trim());
  else localStorage.removeItem(keyItem);
}

export function getMode(): Mode {
  return localStorage.getItem(modeItem) === 'dapp' ? 'dapp' : 'bridge';
}

export function setMode(mode: Mode): void {
  localStorage.setItem(modeItem, mode);
}
