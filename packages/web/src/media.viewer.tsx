import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { ApiError, fetchMedia } from './api.client.js';
import { useWellness } from './wellness.context.js';

/** How an item is shown; sent to the server, which records it with the view. */
export type ViewMode = 'blurred' | 'revealed';

type State =
  | { kind: 'idle' }
  | { kind: 'loading'; mode: ViewMode }
  | { kind: 'shown'; mode: ViewMode; url: string; type: string }
  | { kind: 'error'; message: string; code: string };

/** Props of {@link MediaViewer}. */
export interface MediaViewerProps {
  /** Accessible name of the item (never its content). */
  readonly label: string;
  /** Media URL without the mode (the viewer adds `mode=`). */
  readonly src: string;
  /** Load the blurred preview at once (false: wait for a click, e.g. text-first cases). */
  readonly autoLoad: boolean;
  /** Called after each successful load (to refresh the exposure counter). */
  readonly onViewed?: (mode: ViewMode) => void;
}

function withMode(src: string, mode: ViewMode): string {
  return `${src}${src.includes('?') ? '&' : '?'}mode=${mode}`;
}

/**
 * One media item, safe by default: shown blurred and greyscale; a click (never hover)
 * reveals it for the configured seconds, then it blurs again by itself. Video is muted, never
 * autoplays and only loads on request. The panic key removes it from the page at once and
 * releases its bytes. Every load asks the server with the mode it will be shown in, so the
 * server records what the reviewer actually saw.
 */
export function MediaViewer({ label, src, autoLoad, onViewed }: MediaViewerProps): ReactNode {
  const { reblurSeconds, panic, blurEpoch } = useWellness();
  const [state, setState] = useState<State>({ kind: 'idle' });
  const [left, setLeft] = useState(0);
  const urlRef = useRef<string | null>(null);

  const release = useCallback(() => {
    if (urlRef.current) URL.revokeObjectURL(urlRef.current);
    urlRef.current = null;
  }, []);

  const load = useCallback(
    async (mode: ViewMode) => {
      setState({ kind: 'loading', mode });
      try {
        const m = await fetchMedia(withMode(src, mode));
        release();
        urlRef.current = m.url;
        setState({ kind: 'shown', mode, url: m.url, type: m.type });
        onViewed?.(mode);
      } catch (e) {
        release();
        setState(
          e instanceof ApiError
            ? { kind: 'error', message: e.message, code: e.code }
            : { kind: 'error', message: 'could not load the media', code: 'LG_ERR_HTTP' },
        );
      }
    },
    [src, release, onViewed],
  );

  // Panic: drop the bytes and the element at once.
  useEffect(() => {
    if (panic) {
      release();
      setState({ kind: 'idle' });
    }
  }, [panic, release]);

  // Load the blurred preview once per item; later loads are explicit clicks.
  const autoLoaded = useRef<string | null>(null);
  useEffect(() => {
    if (!autoLoad || panic || autoLoaded.current === src) return;
    autoLoaded.current = src;
    void load('blurred');
  }, [src, autoLoad, panic, load]);

  useEffect(() => release, [release]);

  // "Blur all" (key b): back to blurred without a new request.
  useEffect(() => {
    if (blurEpoch > 0) {
      setState((cur) => (cur.kind === 'shown' ? { ...cur, mode: 'blurred' } : cur));
    }
  }, [blurEpoch]);

  // Automatic re-blur after reblurSeconds, with a visible countdown.
  useEffect(() => {
    if (state.kind !== 'shown' || state.mode !== 'revealed') return;
    const until = Date.now() + reblurSeconds * 1000;
    setLeft(reblurSeconds);
    const t = window.setInterval(() => {
      const s = Math.ceil((until - Date.now()) / 1000);
      if (s <= 0) {
        window.clearInterval(t);
        setState((cur) => (cur.kind === 'shown' ? { ...cur, mode: 'blurred' } : cur));
      } else setLeft(s);
    }, 200);
    return () => window.clearInterval(t);
  }, [state, reblurSeconds]);

  if (panic) {
    return (
      <div className="media media-hidden" role="img" aria-label={`${label}: hidden (panic key)`}>
        Media hidden
      </div>
    );
  }
  if (state.kind === 'error') {
    const refused = state.code === 'LG_ERR_FORBIDDEN';
    return (
      <div
        className="media media-error"
        role="status"
        data-testid="media-error"
        data-code={state.code}
      >
        {refused
          ? 'Your role may not view media of this case.'
          : state.code === 'LG_ERR_EXPOSURE_LIMIT'
            ? "You have reached today's exposure limit. Media is hidden for the rest of the day."
            : `Media not available (${state.message}).`}
      </div>
    );
  }
  if (state.kind === 'idle' || state.kind === 'loading') {
    return (
      <div className="media media-idle">
        <button
          type="button"
          disabled={state.kind === 'loading'}
          onClick={() => void load('blurred')}
          aria-label={`Show ${label} blurred`}
        >
          {state.kind === 'loading' ? 'Loading…' : 'Show blurred'}
        </button>
      </div>
    );
  }
  const revealed = state.mode === 'revealed';
  const isVideo = state.type.startsWith('video/');
  return (
    <figure className="media" data-testid="media" data-mode={state.mode}>
      <div className={revealed ? 'media-frame' : 'media-frame wellness-blur'}>
        {isVideo ? (
          <video src={state.url} muted controls={revealed} preload="metadata" aria-label={label} />
        ) : (
          <img src={state.url} alt={label} draggable={false} />
        )}
      </div>
      <figcaption>
        {revealed ? (
          <>
            <span aria-live="polite">Revealed — blurs again in {left} s</span>{' '}
            <button type="button" onClick={() => setState({ ...state, mode: 'blurred' })}>
              Blur now
            </button>
          </>
        ) : (
          <button
            type="button"
            onClick={() => void load('revealed')}
            aria-label={`Reveal ${label}`}
          >
            Reveal ({reblurSeconds} s)
          </button>
        )}
      </figcaption>
    </figure>
  );
}
