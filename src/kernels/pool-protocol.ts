/**
 * Layout of the pool's control block (Int32 words in the shared memory) and its argument block (Float64).
 * The caller writes the op and arguments, bumps SEQ and notifies; each worker runs its part and stores the
 * SEQ it finished into its DONE slot.
 */
export const SEQ = 0;
export const OP = 1;
export const PARTS = 2;
export const DONE = 16; // DONE + worker index
export const CONTROL_INTS = 64;
export const ARG_SLOTS = 16;
/** Iterations a thread busy-polls before sleeping in Atomics.wait (a wake-up costs tens of µs). */
export const SPIN = 20_000;

/** Waits until ctrl[index] !== value, spinning first; returns the new value. */
export function waitChange(ctrl: Int32Array, index: number, value: number): number {
  for (let i = 0; i < SPIN; i++) {
    const v = Atomics.load(ctrl, index);
    if (v !== value) return v;
  }
  while (Atomics.load(ctrl, index) === value) Atomics.wait(ctrl, index, value);
  return Atomics.load(ctrl, index);
}
