import { useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError, setCsrf } from './api.client.js';
import type { User } from './case.types.js';

/** Props of {@link LoginScreen}. */
export interface LoginScreenProps {
  /** Called with the user once logged in. */
  readonly onLogin: (user: User) => void;
}

/**
 * Username and password, then — only when the server says the account has TOTP — a
 * six-digit code. Errors never say which part was wrong.
 */
export function LoginScreen({ onLogin }: LoginScreenProps): ReactNode {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [needTotp, setNeedTotp] = useState(false);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const r = await api<{ user: User; csrf: string }>(
        'POST',
        '/v1/auth/login',
        { username, password, ...(needTotp ? { totp } : {}) },
        { quiet401: true },
      );
      setCsrf(r.csrf);
      setPassword('');
      onLogin(r.user);
    } catch (err) {
      if (err instanceof ApiError && err.details.totpRequired === true) {
        setNeedTotp(true);
        setError('');
      } else if (err instanceof ApiError && err.code === 'LG_ERR_RATE_LIMITED') {
        setError('Too many failed attempts. Wait a few minutes and try again.');
      } else {
        setError('Wrong username, password or code.');
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="login">
      <h1>Lifeguard review console</h1>
      <form onSubmit={(e) => void submit(e)} aria-describedby={error ? 'login-error' : undefined}>
        <label htmlFor="username">Username</label>
        <input
          id="username"
          name="username"
          autoComplete="username"
          required
          autoFocus
          value={username}
          onChange={(e) => setUsername(e.target.value)}
        />
        <label htmlFor="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        {needTotp && (
          <>
            <label htmlFor="totp">Code from your authenticator app</label>
            <input
              id="totp"
              name="totp"
              inputMode="numeric"
              autoComplete="one-time-code"
              pattern="[0-9]{6}"
              required
              autoFocus
              value={totp}
              onChange={(e) => setTotp(e.target.value)}
            />
          </>
        )}
        <button type="submit" disabled={busy}>
          {needTotp ? 'Verify code' : 'Log in'}
        </button>
        {error && (
          <p id="login-error" role="alert" className="error">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}
