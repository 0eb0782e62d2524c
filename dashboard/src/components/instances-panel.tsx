import type { InstanceView } from '../../../src/client';

/** The scheduler instances sharing the database (`GET /api/instances`). */
export function InstancesPanel(props: { instances: InstanceView[]; now: number }) {
  return (
    <section aria-labelledby="instances-title" class="panel">
      <h2 id="instances-title">Instances</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Host</th>
            <th scope="col">PID</th>
            <th scope="col">State</th>
            <th scope="col">Heartbeat</th>
          </tr>
        </thead>
        <tbody>
          {props.instances.map((instance) => (
            <tr key={instance.id}>
              <td title={instance.id}>
                {instance.host}
                {instance.self && <span class="tag">this one</span>}
              </td>
              <td>{instance.pid}</td>
              <td class={instance.alive ? 'good' : 'bad'}>{instance.alive ? 'alive' : 'gone'}</td>
              <td>{Math.max(0, Math.round((props.now - Date.parse(instance.heartbeatAt)) / 1_000))} s ago</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
