/** Data loading for the pages: fetch now, then again every `intervalMs` while the page is shown. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Polled<T> {
  data: T | null;
  error: Error | null;
  /** Time of the last successful load. */
  updatedAt: Date | null;
  reload: () => void;
}

export function usePolling<T>(load: () => Promise<T>, intervalMs: number | null, deps: unknown[] = []): Polled<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [updatedAt, setUpdatedAt] = useState<Date | null>(null);
  const generation = useRef(0);

  const run = useCallback(() => {
    const mine = generation.current;
    load().then(
      (value) => {
        if (mine !== generation.current) return;
        setData(value);
        setError(null);
        setUpdatedAt(new Date());
      },
      (err: Error) => {
        if (mine === generation.current) setError(err);
      },
    );
  }, deps);

  useEffect(() => {
    generation.current++;
    setData(null);
    setError(null);
    run();
    if (intervalMs === null) return;
    const timer = setInterval(run, intervalMs);
    return () => {
      generation.current++;
      clearInterval(timer);
    };
  }, [run, intervalMs]);

  return { data, error, updatedAt, reload: run };
}
