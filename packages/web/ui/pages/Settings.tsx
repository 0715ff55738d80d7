import { useState } from 'preact/hooks';
import { getApiKey, getMode, type Mode, setApiKey, setMode } from '../lib/settings.js';

/** The API key for the bridge, and the switch to DApp mode (the browser wallet pays; no bridge needed). */
export function Settings({ onModeChange }: { onModeChange: (mode: Mode) => void }) {
  const [key, setKey] = useState(getApiKey());
  const [mode, setModeState] = useState<Mode>(getMode());
  const [saved, setSaved] = useState(false);
  const hasWallet = typeof window !== 'undefined' && 'ethereum' in window;
  return (
    <section aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <form
        class="grid"
        onSubmit={(event) => {
          event.preventDefault();
          setApiKey(key);
          setMode(mode);
          onModeChange(mode);
          setSaved(true);
        }}
      >
        <fieldset class="wide">
          <legend>How tasks are paid</legend>
          <label class="inline">
            <input
              type="radio"
              name="mode"
              value="bridge"
              checked={mode === 'bridge'}
              onChange={() => setModeState('bridge')}
            />
            Through this server (the bridge pays; you use an API key)
          </label>
          <label class="inline">
            <input
              type="radio"
              name="mode"
              value="dapp"
              checked={mode === 'dapp'}
              onChange={() => setModeState('dapp')}
            />
            DApp mode: my browser wallet signs and pays {hasWallet ? '' : '(no wallet found in this browser)'}
          </label>
        </fieldset>
        <label class="wide">
          Bridge API key
          <input
            name="apiKey"
            type="password"
            autoComplete="off"
            value={key}
            onInput={(e) => {
              setKey((e.target as HTMLInputElement).value);
              setSaved(false);
            }}
          />
        </label>
        <button type="submit" class="primary">
          Save
        </button>
        {saved && <p role="status">Saved.</p>}
      </form>
    </section>
  );
}
