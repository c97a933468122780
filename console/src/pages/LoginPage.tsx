import { useState, type FormEvent } from 'react';
import { fetchSession, LoginError, type Session } from '../lib/session';

export function LoginPage({ onLogin }: { onLogin: (session: Session) => void }) {
  const [credential, setCredential] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onLogin(await fetchSession(credential.trim()));
    } catch (err) {
      setError(err instanceof LoginError ? err.message : 'login failed');
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="login" onSubmit={submit}>
      <h1>Modelplane Console</h1>
      <label>
        API key or JWT
        <input
          name="credential"
          type="password"
          autoComplete="off"
          autoFocus
          value={credential}
          onChange={(e) => setCredential(e.target.value)}
          placeholder="mp_…"
        />
      </label>
      {error && (
        <p className="error" role="alert" data-testid="login-error">
          Login failed: {error}
        </p>
      )}
      <button type="submit" disabled={busy || !credential.trim()}>
        {busy ? 'Checking…' : 'Log in'}
      </button>
      <p className="hint">
        The key stays in this tab (session storage) and is sent as <code>Authorization: Bearer</code>. <code>npm start</code> prints an
        admin key on first start.
      </p>
    </form>
  );
}
