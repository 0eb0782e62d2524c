import { useEffect, useState } from 'preact/hooks';
import { ScoutApiError, ScoutClient } from '../../src/client';
import { storeApiKey, storedApiKey } from './api-key';
import { KeyPrompt } from './components/key-prompt';
import { Dashboard } from './components/dashboard';

type Gate =
  | { state: 'checking' }
  | { state: 'key'; error: string | null }
  | { state: 'failed'; error: string }
  | { state: 'ready'; client: ScoutClient; keyed: boolean };

/**
 * Asks the service once who may use it: without `API_KEY` the page opens at once; with it, the
 * page asks for the key, keeps it for the tab's session and uses it for REST and Socket.IO.
 */
export function App() {
  const [gate, setGate] = useState<Gate>({ state: 'checking' });

  async function connect(key: string | undefined): Promise<void> {
    const client = new ScoutClient({ baseUrl: location.origin, apiKey: key });
    try {
      await client.listInstances();
      storeApiKey(key);
      setGate({ state: 'ready', client, keyed: key !== undefined });
    } catch (error) {
      if (error instanceof ScoutApiError && error.status === 401) {
        storeApiKey(undefined);
        setGate({
          state: 'key',
          error:
            key === undefined
              ? null
              : `The service refused this API key (${error.message}). Check it and try again.`,
        });
      } else {
        setGate({ state: 'failed', error: `The service did not answer: ${(error as Error).message}` });
      }
    }
  }

  useEffect(() => void connect(storedApiKey()), []);

  switch (gate.state) {
    case 'checking':
      return <p class="loading">Connecting to the service…</p>;
    case 'key':
      return <KeyPrompt error={gate.error} onSubmit={(key) => connect(key)} />;
    case 'failed':
      return (
        <main class="gate">
          <h1>Scout Scheduler</h1>
          <p role="alert" class="error">
            {gate.error}
          </p>
          <button type="button" onClick={() => void connect(storedApiKey())}>
            Retry
          </button>
        </main>
      );
    case 'ready':
      return (
        <Dashboard
          client={gate.client}
          keyed={gate.keyed}
          onForgetKey={() => {
            storeApiKey(undefined);
            setGate({ state: 'key', error: null });
          }}
          onUnauthorized={() => {
            storeApiKey(undefined);
            setGate({
              state: 'key',
              error: 'The service no longer accepts this API key. Enter the current one.',
            });
          }}
        />
      );
  }
}
