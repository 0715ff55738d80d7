import type { TaskEvent } from '../types.js';
import type { DistributiveOmit, SdkContext } from './context.js';

/** Builds the context's `emit`: a listener that throws never breaks a task. */
export function createEmitter(
  listeners: SdkContext['listeners'],
  taskListeners: SdkContext['taskListeners'],
): SdkContext['emit'] {
  return (partial: DistributiveOmit<TaskEvent, 'at'>) => {
    const event = { ...partial, at: Date.now() } as TaskEvent;
    for (const listener of [...listeners, ...(taskListeners.get(event.id) ?? [])]) {
      try {
        listener(event);
      } catch {
        // A progress display must not be able to stop a paid task half way.
      }
    }
  };
}
