import { useCallback, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError } from './api.client.js';
import type { Role, User } from './case.types.js';
import { humanise } from './format.util.js';

const ROLES: readonly Role[] = ['reviewer', 'child_safety_reviewer', 'lead', 'admin'];

/**
 * User management for admins: list, add (the password is typed here and sent once; it is
 * never shown again), change roles, disable or enable, and turn two-factor codes off for a
 * lost device. The server refuses anything that would leave no enabled admin.
 */
export function UsersScreen(): ReactNode {
  const [users, setUsers] = useState<readonly User[] | null>(null);
  const [msg, setMsg] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [roles, setRoles] = useState<readonly Role[]>(['reviewer']);

  const load = useCallback(async () => {
    try {
      setUsers((await api<{ users: User[] }>('GET', '/v1/users')).users);
    } catch (e) {
      setMsg(e instanceof Error ? e.message : 'could not load users');
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  const run = async (f: () => Promise<unknown>, done: string): Promise<void> => {
    try {
      await f();
      setMsg(done);
      await load();
    } catch (e) {
      setMsg(e instanceof ApiError ? `Refused: ${e.message}` : 'The request failed.');
    }
  };
  const add = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    await run(() => api('POST', '/v1/users', { username, password, roles }), `Added ${username}.`);
    setPassword('');
    setUsername('');
  };
  const toggle = (r: Role): void =>
    setRoles((cur) => (cur.includes(r) ? cur.filter((x) => x !== r) : [...cur, r]));

  return (
    <section aria-labelledby="users-title" className="users">
      <h2 id="users-title">Users</h2>
      {msg && <p role="status">{msg}</p>}
      {users && (
        <table>
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Roles</th>
              <th scope="col">State</th>
              <th scope="col">Two-factor</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id}>
                <td>{u.username}</td>
                <td>{u.roles.map(humanise).join(', ')}</td>
                <td>{u.disabled ? 'disabled' : 'active'}</td>
                <td>{u.totpEnabled ? 'on' : 'off'}</td>
                <td>
                  <button
                    type="button"
                    onClick={() =>
                      void run(
                        () =>
                          api('PATCH', `/v1/users/${encodeURIComponent(u.id)}`, {
                            disabled: !u.disabled,
                          }),
                        `${u.username} ${u.disabled ? 'enabled' : 'disabled'}.`,
                      )
                    }
                  >
                    {u.disabled ? 'Enable' : 'Disable'} {u.username}
                  </button>{' '}
                  {u.totpEnabled && (
                    <button
                      type="button"
                      onClick={() =>
                        void run(
                          () => api('DELETE', `/v1/users/${encodeURIComponent(u.id)}/totp`),
                          `Two-factor codes turned off for ${u.username}.`,
                        )
                      }
                    >
                      Reset two-factor for {u.username}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>Add a user</h3>
      <form onSubmit={(e) => void add(e)}>
        <label htmlFor="new-username">Username</label>
        <input
          id="new-username"
          required
          autoComplete="off"
          value={username}
          onChange={(e) => setUsername(e.target.value)}
        />
        <label htmlFor="new-password">Initial password (at least 10 characters)</label>
        <input
          id="new-password"
          type="password"
          autoComplete="new-password"
          minLength={10}
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <fieldset>
          <legend>Roles</legend>
          {ROLES.map((r) => (
            <label key={r}>
              <input type="checkbox" checked={roles.includes(r)} onChange={() => toggle(r)} />{' '}
              {humanise(r)}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={roles.length === 0}>
          Add user
        </button>
      </form>
    </section>
  );
}
