import type { ProgressStep } from '../lib/progress.js';

/** The protocol steps of one task as an ordered list; a screen reader hears each change (aria-live). */
export function Progress({ steps, status }: { steps: ProgressStep[]; status: string }) {
  return (
    <div class="progress" aria-live="polite">
      <p data-testid="job-status">Status: {status}</p>
      <ol>
        {steps.map((step) => (
          <li key={step.key} class={step.done ? 'done' : ''} data-step={step.key} data-done={step.done}>
            <span aria-hidden="true">{step.done ? '✔' : '○'}</span> {step.label}
            {step.detail && <small> — {step.detail}</small>}
          </li>
        ))}
      </ol>
    </div>
  );
}
