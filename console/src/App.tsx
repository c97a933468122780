import { useEffect, useMemo, useState } from 'react';
import { Provider } from 'urql';
import { Link, Route, Router, Switch } from 'wouter';
import { useHashLocation } from 'wouter/use-hash-location';
import { ConnectionBanner } from './components/ConnectionBanner';
import { createConsoleClient } from './lib/graphql';
import { fetchSession, storeCredential, storedCredential, type Session } from './lib/session';
import { SessionContext } from './lib/session-context';
import { AlertsPage } from './pages/AlertsPage';
import { LoginPage } from './pages/LoginPage';
import { ModelPage } from './pages/ModelPage';
import { MonitoringPage } from './pages/MonitoringPage';
import { OverviewPage } from './pages/OverviewPage';
import { PlaygroundPage } from './pages/PlaygroundPage';

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [restoring, setRestoring] = useState(true);

  // A credential from earlier in this tab, or none at all (AUTH=off lets everyone in as admin).
  useEffect(() => {
    const stored = storedCredential();
    fetchSession(stored)
      .then(setSession)
      .catch(() => storeCredential(null))
      .finally(() => setRestoring(false));
  }, []);

  if (restoring) return <p className="loading">Loading…</p>;
  if (!session) {
    return (
      <LoginPage
        onLogin={(s) => {
          storeCredential(s.credential);
          setSession(s);
        }}
      />
    );
  }
  return (
    <Console
      session={session}
      onLogout={() => {
        storeCredential(null);
        setSession(null);
      }}
    />
  );
}

function Console({ session, onLogout }: { session: Session; onLogout: () => void }) {
  const live = useMemo(() => createConsoleClient(session.credential), [session.credential]);
  useEffect(() => () => void live.ws.dispose(), [live]);
  return (
    <SessionContext.Provider value={{ session, status: live.status }}>
      <Provider value={live.client}>
        <Router hook={useHashLocation}>
          <header className="top">
            <Link href="/" className="brand">
              Modelplane
            </Link>
            <nav>
              <Link href="/">Overview</Link>
              <Link href="/alerts">Alerts</Link>
              <a href="/graphiql">GraphiQL</a>
            </nav>
            <span className="who" data-testid="who">
              {session.subject} · <b>{session.role}</b>
            </span>
            <button type="button" className="link" onClick={onLogout}>
              Log out
            </button>
          </header>
          <ConnectionBanner status={live.status} />
          <main>
            <Switch>
              <Route path="/" component={OverviewPage} />
              <Route path="/alerts" component={AlertsPage} />
              <Route path="/models/:name/playground">{(p) => <PlaygroundPage name={decodeURIComponent(p.name)} />}</Route>
              <Route path="/models/:name/monitoring">{(p) => <MonitoringPage name={decodeURIComponent(p.name)} />}</Route>
              <Route path="/models/:name">{(p) => <ModelPage name={decodeURIComponent(p.name)} />}</Route>
              <Route>
                <p>
                  Nothing here. <Link href="/">Back to the overview</Link>
                </p>
              </Route>
            </Switch>
          </main>
        </Router>
      </Provider>
    </SessionContext.Provider>
  );
}
