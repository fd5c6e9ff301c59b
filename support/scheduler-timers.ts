import type { TimerPort } from '../src/runtime/ports';
import type { Simulation } from '../src/sim';

/** A timer port over the simulation's scheduler, for control processes that are not nodes (the autoscalers). */
export function schedulerTimers(sim: Simulation): TimerPort {
  const scheduler = sim.scheduler;
  const events = new Map<number, ReturnType<typeof scheduler.schedule>>();
  let next = 0;
  return {
    setTimer: (delayMs, callback) => {
      const id = next++;
      events.set(id, scheduler.schedule(delayMs, () => {
        events.delete(id);
        callback();
      }));
      return id;
    },
    cancelTimer: (id) => {
      const event = events.get(id);
      if (event) scheduler.cancel(event);
    },
  };
}
