import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { ApiError, fetchMedia } from './api.client.js';
import { useWellness } from './wellness.context.js';

/** How an item is shown; sent to the server, which records it with the view. */
export type ViewMode = 'blurred' | 'revealed';

interface Loaded {
  readonly url: string;
  readonly type: string;
}

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
 * One media item, safe by default. The blurred greyscale preview is rendered by the server
 * (`mode=blurred`; the original never reaches the browser for it) and blurred again by CSS.
 * A click (never hover) fetches the original (`mode=revealed`, which counts toward the daily
 * exposure cap) and shows it for the configured seconds with a countdown; then the original is
 * dropped from the page and its bytes released, and the preview is back. Video is muted, never
 * autoplays and has no controls while blurred. The panic key removes everything at once. The
 * server records each load with its mode, so what the reviewer saw is on record.
 */
export function MediaViewer({ label, src, autoLoad, onViewed }: MediaViewerProps): ReactNode {
  const { reblurSeconds, panic, blurEpoch } = useWellness();
  const [preview, setPreview] = useState<Loaded | null>(null);
  const [original, setOriginal] = useState<Loaded | null>(null);
  const [busy, setBusy] = useState<ViewMode | null>(null);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const [left, setLeft] = useState(0);
  const urls = useRef<{ preview: string | null; original: string | null }>({
    preview: null,
    original: null,
  });

  const drop = useCallback((which: 'preview' | 'original') => {
    const u = urls.current[which];
    if (u) URL.revokeObjectURL(u);
    urls.current[which] = null;
    if (which === 'preview') setPreview(null);
    else setOriginal(null);
  }, []);

  const load = useCallback(
    async (mode: ViewMode) => {
      setBusy(mode);
      setError(null);
      try {
        const m = await fetchMedia(withMode(src, mode));
        const which = mode === 'blurred' ? 'preview' : 'original';
        drop(which);
        urls.current[which] = m.url;
        if (mode === 'blurred') setPreview(m);
        else setOriginal(m);
        onViewed?.(mode);
      } catch (e) {
        setError(
          e instanceof ApiError
            ? { code: e.code, message: e.message }
            : { code: 'LG_ERR_HTTP', message: 'could not load the media' },
        );
      } finally {
        setBusy(null);
      }
    },
    [src, drop, onViewed],
  );

  // Panic: drop every byte and element at once.
  useEffect(() => {
    if (panic) {
      drop('original');
      drop('preview');
    }
  }, [panic, drop]);

  // Load the blurred preview once per item; later loads are explicit clicks.
  const autoLoaded = useRef<string | null>(null);
  useEffect(() => {
    if (!autoLoad || panic || autoLoaded.current === src) return;
    autoLoaded.current = src;
    void load('blurred');
  }, [src, autoLoad, panic, load]);

  // Release everything when the item leaves the page.
  useEffect(
    () => () => {
      for (const u of [urls.current.preview, urls.current.original]) {
        if (u) URL.revokeObjectURL(u);
      }
    },
    [],
  );

  // "Blur all" (key b).
  useEffect(() => {
    if (blurEpoch > 0) drop('original');
  }, [blurEpoch, drop]);

  // Automatic re-blur after reblurSeconds, with a visible countdown.
  useEffect(() => {
    if (!original) return;
    const until = Date.now() + reblurSeconds * 1000;
    setLeft(reblurSeconds);
    const t = window.setInterval(() => {
      const s = Math.ceil((until - Date.now()) / 1000);
      if (s <= 0) {
        window.clearInterval(t);
        drop('original');
      } else setLeft(s);
    }, 200);
    return () => window.clearInterval(t);
  }, [original, reblurSeconds, drop]);

  if (panic) {
    return (
      <div className="media media-hidden" role="img" aria-label={`${label}: hidden (panic key)`}>
        Media hidden
      </div>
    );
  }
  if (error && !preview) {
    return (
      <div
        className="media media-error"
        role="status"
        data-testid="media-error"
        data-code={error.code}
      >
        {error.code === 'LG_ERR_FORBIDDEN'
          ? 'Your role may not view media of this case.'
          : error.code === 'LG_ERR_EXPOSURE_LIMIT'
            ? "You have reached today's exposure limit: media stays hidden until tomorrow."
            : `Media not available (${error.message}).`}
      </div>
    );
  }
  if (!preview && !original) {
    return (
      <div className="media media-idle">
        <button
          type="button"
          disabled={busy !== null}
          onClick={() => void load('blurred')}
          aria-label={`Show ${label} blurred`}
        >
          {busy ? 'Loading…' : 'Show blurred'}
        </button>
      </div>
    );
  }
  const shown = original ?? preview!;
  const revealed = original !== null;
  const isVideo = shown.type.startsWith('video/');
  return (
    <figure className="media" data-testid="media" data-mode={revealed ? 'revealed' : 'blurred'}>
      <div className={revealed ? 'media-frame' : 'media-frame wellness-blur'}>
        {isVideo ? (
          <video src={shown.url} muted controls={revealed} preload="metadata" aria-label={label} />
        ) : (
          <img src={shown.url} alt={label} draggable={false} />
        )}
      </div>
      <figcaption>
        {revealed ? (
          <>
            <span aria-live="polite">Revealed — blurs again in {left} s</span>{' '}
            <button type="button" onClick={() => drop('original')}>
              Blur now
            </button>
          </>
        ) : (
          <button
            type="button"
            disabled={busy !== null}
            onClick={() => void load('revealed')}
            aria-label={`Reveal ${label}`}
          >
            {busy === 'revealed' ? 'Loading…' : `Reveal (${reblurSeconds} s)`}
          </button>
        )}
        {error && (
          <span role="status" className="error" data-testid="media-error" data-code={error.code}>
            {' '}
            {error.code === 'LG_ERR_EXPOSURE_LIMIT'
              ? "Today's exposure limit is reached."
              : error.message}
          </span>
        )}
      </figcaption>
    </figure>
  );
}
