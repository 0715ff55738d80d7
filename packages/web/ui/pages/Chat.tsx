// Chat with an LLM task: the answer streams in as the bridge (or the SDK) delivers it, verified against the
// on-chain score, with the task's protocol progress beside it.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ChatMessage } from '../lib/bridge.js';
import type { ProgressStep } from '../lib/progress.js';
import type { Runner } from '../lib/runner.js';
import { Progress } from './Progress.js';

export function Chat({ runner }: { runner: Runner }) {
  const [models, setModels] = useState<string[]>([]);
  const [model, setModel] = useState('');
  const [system, setSystem] = useState('');
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [draft, setDraft] = useState('');
  const [maxTokens, setMaxTokens] = useState(64);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [progress, setProgress] = useState<{ steps: ProgressStep[]; status: string } | null>(null);
  const controller = useRef<AbortController | null>(null);

  useEffect(() => {
    runner
      .listModels()
      .then((list) => {
        const llm = list.filter((m) => m.type === 'llm').map((m) => m.id);
        setModels(llm);
        setModel((m) => m || llm[0] || '');
      })
      .catch((failure: Error) => setError(failure.message));
  }, [runner]);

  const send = async (event: Event) => {
    event.preventDefault();
    const text = draft.trim();
    if (!text || busy) return;
    if (!model) {
      setError('Model: choose a language model');
      return;
    }
    setError('');
    const history: ChatMessage[] = [...messages, { role: 'user', content: text }];
    setMessages([...history, { role: 'assistant', content: '' }]);
    setDraft('');
    setBusy(true);
    setProgress(null);
    controller.current = new AbortController();
    try {
      await runner.chat(
        {
          model,
          messages: system ? [{ role: 'system', content: system }, ...history] : history,
          max_tokens: maxTokens,
        },
        (delta) =>
          setMessages((all) => {
            const last = all[all.length - 1];
            return last ? [...all.slice(0, -1), { ...last, content: last.content + delta }] : all;
          }),
        (steps, status) => setProgress({ steps, status }),
        controller.current.signal,
      );
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
      setMessages((all) => (all[all.length - 1]?.content === '' ? all.slice(0, -1) : all));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="chat-title">
      <h1 id="chat-title">Chat</h1>
      <div class="grid">
        <label>
          Model
          <input
            name="model"
            list="llm-models"
            value={model}
            onInput={(e) => setModel((e.target as HTMLInputElement).value)}
          />
          <datalist id="llm-models">
            {models.map((m) => (
              <option key={m} value={m} />
            ))}
          </datalist>
        </label>
        <label>
          Max new tokens
          <input
            type="number"
            name="max_tokens"
            min={1}
            max={4096}
            value={maxTokens}
            onInput={(e) => setMaxTokens(Number((e.target as HTMLInputElement).value))}
          />
        </label>
        <label class="wide">
          System prompt
          <input
            name="system"
            value={system}
            onInput={(e) => setSystem((e.target as HTMLInputElement).value)}
          />
        </label>
      </div>
      <ol class="messages" aria-live="polite" aria-label="Conversation" data-testid="messages">
        {messages.map((message, index) => (
          <li key={index} class={message.role} data-role={message.role}>
            <strong>{message.role === 'user' ? 'You' : 'Assistant'}:</strong> <span>{message.content}</span>
          </li>
        ))}
      </ol>
      <form class="chat-input" onSubmit={send}>
        <label class="wide">
          Message
          <textarea
            name="message"
            rows={2}
            value={draft}
            onInput={(e) => setDraft((e.target as HTMLTextAreaElement).value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.shiftKey) void send(e);
            }}
          />
        </label>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Answering…' : 'Send'}
        </button>
        {busy && (
          <button type="button" onClick={() => controller.current?.abort()}>
            Stop
          </button>
        )}
      </form>
      {error && (
        <p role="alert" class="error" data-testid="chat-error">
          {error}
        </p>
      )}
      {progress && <Progress steps={progress.steps} status={progress.status} />}
    </section>
  );
}
