import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';

/** Reviewer-wellness settings and the panic state shared by every media element. */
export interface Wellness {
  /** Seconds a revealed item stays clear before it is blurred again. */
  readonly reblurSeconds: number;
  /** Change {@link reblurSeconds} (2..60; kept in this browser). */
  readonly setReblurSeconds: (s: number) => void;
  /** True after the panic key: all media is gone from the page until restored. */
  readonly panic: boolean;
  /** Hide every media element at once (the panic key). */
  readonly triggerPanic: () => void;
  /** Allow media to be shown (blurred) again. */
  readonly clearPanic: () => void;
  /** Increases each time the reviewer asks to blur everything again. */
  readonly blurEpoch: number;
  /** Blur every revealed item now. */
  readonly blurAll: () => void;
}

const KEY = 'lifeguard.reblurSeconds';
/** Default seconds before a revealed item is blurred again. */
export const DEFAULT_REBLUR_SECONDS = 5;

function stored(): number {
  try {
    const v = Number(window.localStorage.getItem(KEY));
    return Number.isInteger(v) && v >= 2 && v <= 60 ? v : DEFAULT_REBLUR_SECONDS;
  } catch {
    return DEFAULT_REBLUR_SECONDS;
  }
}

const Ctx = createContext<Wellness | null>(null);

/** Provides {@link Wellness} to the console. */
export function WellnessProvider({ children }: { children: ReactNode }): ReactNode {
  const [reblurSeconds, setSeconds] = useState(stored);
  const [panic, setPanic] = useState(false);
  const setReblurSeconds = useCallback((s: number) => {
    const v = Math.min(60, Math.max(2, Math.round(s)));
    setSeconds(v);
    try {
      window.localStorage.setItem(KEY, String(v));
    } catch {
      // storage disabled: the setting lasts for this page only
    }
  }, []);
  const triggerPanic = useCallback(() => setPanic(true), []);
  const clearPanic = useCallback(() => setPanic(false), []);
  const [blurEpoch, setBlurEpoch] = useState(0);
  const blurAll = useCallback(() => setBlurEpoch((n) => n + 1), []);
  const value = useMemo(
    () => ({
      reblurSeconds,
      setReblurSeconds,
      panic,
      triggerPanic,
      clearPanic,
      blurEpoch,
      blurAll,
    }),
    [reblurSeconds, setReblurSeconds, panic, triggerPanic, clearPanic, blurEpoch, blurAll],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

/** The console's {@link Wellness} state. */
export function useWellness(): Wellness {
  const w = useContext(Ctx);
  if (!w) throw new Error('useWellness outside WellnessProvider');
  return w;
}
