import { render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { DappRunner } from './dapp/createDappRunner.js';
import { getUiConfig, type UiConfig } from './lib/bridge.js';
import { createBridgeRunner } from './lib/bridgeRunner.js';
import { setExplorerBase } from './lib/explorer.js';
import { type Page, routeOf, routes } from './lib/route.js';
import { adoptKeyFromHash, getMode, type Mode } from './lib/settings.js';
import { Calculator } from './pages/Calculator.js';
import { Chat } from './pages/Chat.js';
import { Explorer } from './pages/Explorer.js';
import { Generate } from './pages/Generate.js';
import { Settings } from './pages/Settings.js';
import './styles.css';

function App() {
  const [route, setRoute] = useState<Page>(() => routeOf(location.hash, 'generate'));
  const [mode, setMode] = useState<Mode>(getMode());
  const [config, setConfig] = useState<UiConfig | null>(null);
  const [configLoaded, setConfigLoaded] = useState(false);
  const [dappRunner, setDappRunner] = useState<DappRunner | null>(null);
  const [dappError, setDappError] = useState('');
  const [walletEpoch, setWalletEpoch] = useState(0);
  const bridgeRunner = useMemo(createBridgeRunner, []);

  useEffect(() => {
    const onHash = () => setRoute((current) => routeOf(location.hash, current));
    addEventListener('hashchange', onHash);
    getUiConfig().then((c) => {
      setConfig(c);
      setExplorerBase(c?.explorerUrl);
      setConfigLoaded(true);
    });
    return () => removeEventListener('hashchange', onHash);
  }, []);

  const firstRoute = useRef(true);
  useEffect(() => {
    // After a navigation, focus moves to the new page (as a full page load would); not on the first load.
    if (!firstRoute.current) document.getElementById('main')?.focus();
    firstRoute.current = false;
    document.title = `${routes.find((r) => r.path === route)?.label ?? 'No such page'} · Verinet`;
  }, [route]);

  useEffect(() => {
    if (mode !== 'dapp' || dappRunner || !configLoaded) return;
    setDappError('');
    let cancelled = false;
    // The SDK and viem load only in DApp mode: the bridge mode page stays small.
    import('./dapp/createDappRunner.js')
      .then(({ createDappRunner }) => createDappRunner(config))
      .then((runner) => {
        if (cancelled) runner.close();
        else setDappRunner(runner);
      })
      .catch((error: Error) => {
        if (!cancelled) setDappError(error.message);
      });
    return () => {
      cancelled = true;
    };
  }, [mode, config, configLoaded, dappRunner, walletEpoch]);

  useEffect(() => () => dappRunner?.close(), [dappRunner]);

  // A runner is bound to one wallet account on one chain. When the wallet switches either, the runner is
  // closed and a new one is built, which asks the wallet again (and for its chain); a wallet that comes back
  // to the right chain after a refusal gets a runner again the same way.
  const runnerRef = useRef<DappRunner | null>(null);
  runnerRef.current = dappRunner;
  useEffect(() => {
    const ethereum = window.ethereum;
    if (mode !== 'dapp' || !ethereum) return;
    const rebuild = () => {
      runnerRef.current?.close();
      setDappRunner(null);
      setWalletEpoch((n) => n + 1);
    };
    const onAccounts = (accounts: unknown) => {
      const next = Array.isArray(accounts) && typeof accounts[0] === 'string' ? accounts[0] : '';
      if (next.toLowerCase() !== runnerRef.current?.account.toLowerCase()) rebuild();
    };
    const onChain = (id: unknown) => {
      const chainId = typeof id === 'string' ? Number.parseInt(id, 16) : Number(id);
      if (!runnerRef.current || chainId !== config?.chainId) rebuild();
    };
    ethereum.on('accountsChanged', onAccounts as never);
    ethereum.on('chainChanged', onChain as never);
    return () => {
      ethereum.removeListener('accountsChanged', onAccounts as never);
      ethereum.removeListener('chainChanged', onChain as never);
    };
  }, [mode, config]);

  const runner = mode === 'dapp' ? dappRunner : bridgeRunner;
  const needsRunner = route === 'generate' || route === 'chat';
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header>
        <strong class="brand">Verinet</strong>
        <nav aria-label="Main">
          <ul>
            {routes.map((r) => (
              <li key={r.path}>
                <a href={`#/${r.path}`} aria-current={route === r.path ? 'page' : undefined}>
                  {r.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span class="mode" data-testid="mode">
          {mode === 'dapp' ? 'DApp mode (wallet pays)' : 'Bridge mode'}
        </span>
        {mode === 'dapp' && dappRunner && (
          <span class="mode" data-testid="wallet" title={dappRunner.account}>
            {`${dappRunner.account.slice(0, 6)}…${dappRunner.account.slice(-4)}`}
          </span>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        {needsRunner && mode === 'dapp' && !runner && (
          <p role={dappError ? 'alert' : 'status'} class={dappError ? 'error' : ''}>
            {dappError || 'Connecting to your wallet…'}
          </p>
        )}
        {route === 'generate' && runner && <Generate runner={runner} />}
        {route === 'chat' && runner && <Chat runner={runner} />}
        {route === 'explorer' && configLoaded && <Explorer />}
        {route === 'calculator' && <Calculator />}
        {route === 'not-found' && (
          <section aria-labelledby="not-found-title" data-testid="not-found">
            <h1 id="not-found-title">No such page</h1>
            <p>
              The address names no page (<code>{location.hash}</code>). The pages are:
            </p>
            <ul>
              {routes.map((r) => (
                <li key={r.path}>
                  <a href={`#/${r.path}`}>{r.label}</a>
                </li>
              ))}
            </ul>
          </section>
        )}
        {route === 'settings' && (
          <Settings
            onModeChange={(next) => {
              setDappRunner(null);
              setMode(next);
            }}
          />
        )}
      </main>
    </>
  );
}

adoptKeyFromHash();
const root = document.getElementById('app');
if (root) render(<App />, root);
