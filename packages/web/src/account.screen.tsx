import { useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError } from './api.client.js';
import type { User } from './case.types.js';
import { useWellness } from './wellness.context.js';

/** Props of {@link AccountScreen}. */
export interface AccountScreenProps {
  /** The logged-in user. */
  readonly user: User;
  /** Called with the updated user. */
  readonly onChange: (u: User) => void;
}

/** Your own settings: re-blur delay, password, two-factor codes (TOTP). */
export function AccountScreen({ user, onChange }: AccountScreenProps): ReactNode {
  const { reblurSeconds, setReblurSeconds } = useWellness();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [pwMsg, setPwMsg] = useState('');
  const [enrol, setEnrol] = useState<{ secret: string; uri: string } | null>(null);
  const [code, setCode] = useState('');
  const [totpMsg, setTotpMsg] = useState('');

  const changePassword = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    try {
      onChange(await api<User>('POST', '/v1/auth/password', { current, password: next }));
      setPwMsg('Password changed. Your other sessions were logged out.');
      setCurrent('');
      setNext('');
    } catch (err) {
      setPwMsg(err instanceof ApiError ? err.message : 'failed');
    }
  };
  const startEnrol = async (): Promise<void> => {
    setEnrol(await api<{ secret: string; uri: string }>('POST', '/v1/auth/totp/enrol'));
    setTotpMsg('');
  };
  const confirm = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    try {
      onChange(await api<User>('POST', '/v1/auth/totp/confirm', { code }));
      setEnrol(null);
      setTotpMsg('Two-factor codes are on: you will need one at every login.');
    } catch (err) {
      setTotpMsg(err instanceof ApiError ? err.message : 'failed');
    }
  };

  return (
    <section aria-labelledby="account-title" className="account">
      <h2 id="account-title">Account: {user.username}</h2>
      <p>Roles: {user.roles.join(', ')}</p>
      <h3>Wellness</h3>
      <label htmlFor="reblur">Seconds before revealed media blurs again</label>{' '}
      <input
        id="reblur"
        type="number"
        min={2}
        max={60}
        value={reblurSeconds}
        onChange={(e) => setReblurSeconds(Number(e.target.value))}
      />
      <h3>Password</h3>
      <form onSubmit={(e) => void changePassword(e)}>
        <label htmlFor="pw-current">Current password</label>
        <input
          id="pw-current"
          type="password"
          autoComplete="current-password"
          required
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
        />
        <label htmlFor="pw-new">New password (at least 10 characters)</label>
        <input
          id="pw-new"
          type="password"
          autoComplete="new-password"
          minLength={10}
          required
          value={next}
          onChange={(e) => setNext(e.target.value)}
        />
        <button type="submit">Change password</button>
        {pwMsg && <p role="status">{pwMsg}</p>}
      </form>
      <h3>Two-factor codes (TOTP)</h3>
      {user.totpEnabled ? (
        <p>On. Ask an admin to turn it off if you lose your device.</p>
      ) : enrol ? (
        <form onSubmit={(e) => void confirm(e)}>
          <p>
            Add this key to your authenticator app (or open the link on the device that has the
            app), then type the code it shows.
          </p>
          <p>
            Key: <code className="mono">{enrol.secret}</code>
          </p>
          <p>
            <a href={enrol.uri}>otpauth link</a>
          </p>
          <label htmlFor="totp-code">Code</label>
          <input
            id="totp-code"
            inputMode="numeric"
            pattern="[0-9]{6}"
            required
            value={code}
            onChange={(e) => setCode(e.target.value)}
          />
          <button type="submit">Turn on</button>
        </form>
      ) : (
        <button type="button" onClick={() => void startEnrol()}>
          Set up two-factor codes
        </button>
      )}
      {totpMsg && <p role="status">{totpMsg}</p>}
    </section>
  );
}
