import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { AccountScreen } from './account.screen.js';
import { api, setCsrf, setUnauthorizedHandler } from './api.client.js';
import { CaseScreen } from './case.screen.js';
import type { Exposure, User } from './case.types.js';
import { LoginScreen } from './login.screen.js';
import { MetricsScreen } from './metrics.screen.js';
import { QueueScreen } from './queue.screen.js';
import { ReportScreen } from './report.screen.js';
import { UsersScreen } from './users.screen.js';
import {
  CASE_SHORTCUTS,
  GLOBAL_SHORTCUTS,
  isTyping,
  QUEUE_SHORTCUTS,
  type Shortcut,
} from './shortcuts.model.js';
import { useWellness } from './wellness.context.js';

/** Roles that may prepare hotline reports (the server decides who may confirm which). */
const REPORTER_ROLES: ReadonlySet<string> = new Set(['child_safety_reviewer', 'lead', 'admin']);

type Route =
  | { name: 'queue' }
  | { name: 'case'; id: string }
  | { name: 'report'; id: string }
  | { name: 'metrics' }
  | { name: 'account' }
  | { name: 'users' };

function parseRoute(hash: string): Route {
  const m = /^#\/case\/([^/]+)$/.exec(hash);
  if (m) return { name: 'case', id: decodeURIComponent(m[1]!) };
  const r = /^#\/case\/([^/]+)\/report$/.exec(hash);
  if (r) return { name: 'report', id: decodeURIComponent(r[1]!) };
  if (hash === '#/metrics') return { name: 'metrics' };
  if (hash === '#/account') return { name: 'account' };
  if (hash === '#/users') return { name: 'users' };
  return { name: 'queue' };
}

function ShortcutList({ title, list }: { title: string; list: readonly Shortcut[] }): ReactNode {
  return (
    <>
      <h3>{title}</h3>
      <dl className="shortcuts">
        {list.map((s) => (
          <div key={s.key}>
            <dt>
              <kbd>{s.key}</kbd>
            </dt>
            <dd>{s.label}</dd>
          </div>
        ))}
      </dl>
    </>
  );
}

/** The console: login gate, navigation, global keys, the panic key and the exposure counter. */
export function App(): ReactNode {
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const [route, setRoute] = useState<Route>(() => parseRoute(window.location.hash));
  const [queueIds, setQueueIds] = useState<readonly string[]>([]);
  const [selected, setSelected] = useState(0);
  const [help, setHelp] = useState(false);
  const [exposure, setExposure] = useState<Exposure | null>(null);
  const { panic, triggerPanic, clearPanic, blurAll } = useWellness();

  useEffect(() => {
    setUnauthorizedHandler(() => setUser(null));
    api<{ user: User; csrf: string }>('GET', '/v1/auth/me', undefined, { quiet401: true }).then(
      (r) => {
        setCsrf(r.csrf);
        setUser(r.user);
      },
      () => setUser(null),
    );
    const onHash = (): void => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  const refreshExposure = useCallback(() => {
    api<Exposure>('GET', '/v1/cases/exposure').then(setExposure, () => setExposure(null));
  }, []);
  useEffect(() => {
    if (user) refreshExposure();
  }, [user, refreshExposure]);

  const go = useCallback((hash: string) => {
    window.location.hash = hash;
  }, []);

  const onLoaded = useCallback((ids: readonly string[]) => {
    setQueueIds(ids);
    setSelected((s) => Math.min(s, Math.max(0, ids.length - 1)));
  }, []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      // The panic key works everywhere, even while typing.
      if (e.key === 'Escape') {
        triggerPanic();
        return;
      }
      if (isTyping(e) || e.ctrlKey || e.metaKey || e.altKey || !user) return;
      if (e.key === '?') setHelp((h) => !h);
      else if (e.key === 'g') go('#/queue');
      else if (e.key === 'm') go('#/metrics');
      else if (e.key === 'b') blurAll();
      else if (route.name === 'queue') {
        if (e.key === 'j') setSelected((s) => Math.min(s + 1, Math.max(0, queueIds.length - 1)));
        else if (e.key === 'k') setSelected((s) => Math.max(0, s - 1));
        else if (e.key === 'Enter' && queueIds[selected] !== undefined) {
          go(`#/case/${queueIds[selected]}`);
        }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [user, route, queueIds, selected, go, triggerPanic, blurAll]);

  if (user === undefined) return <p aria-busy="true">Loading…</p>;
  if (user === null) {
    return <LoginScreen onLogin={(u) => setUser(u)} />;
  }
  const logout = async (): Promise<void> => {
    await api('POST', '/v1/auth/logout').catch(() => undefined);
    setCsrf('');
    setUser(null);
  };
  return (
    <div className="app">
      <header className="top">
        <a className="skip" href="#main">
          Skip to content
        </a>
        <strong>Lifeguard</strong>
        <nav aria-label="Main">
          <a href="#/queue" aria-current={route.name === 'queue' ? 'page' : undefined}>
            Queue
          </a>
          <a href="#/metrics" aria-current={route.name === 'metrics' ? 'page' : undefined}>
            Metrics
          </a>
          <a href="#/account" aria-current={route.name === 'account' ? 'page' : undefined}>
            Account
          </a>
          {user.roles.includes('admin') && (
            <a href="#/users" aria-current={route.name === 'users' ? 'page' : undefined}>
              Users
            </a>
          )}
        </nav>
        <span className="exposure" data-testid="exposure" title="Media you viewed today">
          Media revealed today: {exposure ? `${exposure.today} / ${exposure.cap}` : '–'}
        </span>
        <button type="button" className="panic" onClick={triggerPanic} aria-keyshortcuts="Escape">
          Hide all media <kbd>Esc</kbd>
        </button>
        <span>
          {user.username} ({user.roles.join(', ')})
        </span>
        <button type="button" onClick={() => void logout()}>
          Log out
        </button>
      </header>
      {panic && (
        <div className="panic-banner" role="alert" data-testid="panic-banner">
          All media is hidden (panic key).{' '}
          <button type="button" onClick={clearPanic}>
            Allow media again (blurred)
          </button>
        </div>
      )}
      <main id="main" tabIndex={-1}>
        {route.name === 'queue' && (
          <QueueScreen
            onOpen={(id) => go(`#/case/${id}`)}
            selected={selected}
            onLoaded={onLoaded}
          />
        )}
        {route.name === 'case' && (
          <CaseScreen
            key={route.id}
            id={route.id}
            onBack={() => go('#/queue')}
            onViewed={refreshExposure}
            mayReport={user.roles.some((r) => REPORTER_ROLES.has(r))}
            onReport={() => go(`#/case/${encodeURIComponent(route.id)}/report`)}
          />
        )}
        {route.name === 'report' && (
          <ReportScreen
            key={route.id}
            id={route.id}
            roles={user.roles}
            onBack={() => go(`#/case/${encodeURIComponent(route.id)}`)}
          />
        )}
        {route.name === 'metrics' && <MetricsScreen />}
        {route.name === 'account' && <AccountScreen user={user} onChange={setUser} />}
        {route.name === 'users' && <UsersScreen />}
      </main>
      {help && (
        <aside className="help" aria-label="Keyboard shortcuts">
          <ShortcutList title="Everywhere" list={GLOBAL_SHORTCUTS} />
          <ShortcutList title="Queue" list={QUEUE_SHORTCUTS} />
          <ShortcutList title="Case" list={CASE_SHORTCUTS} />
          <button type="button" onClick={() => setHelp(false)}>
            Close
          </button>
        </aside>
      )}
      <footer className="keys">
        <kbd>?</kbd> shortcuts · <kbd>Esc</kbd> hide all media · <kbd>b</kbd> blur all ·{' '}
        <kbd>j</kbd>/<kbd>k</kbd> move · <kbd>Enter</kbd> open · <kbd>g</kbd> queue
      </footer>
    </div>
  );
}
