/**
 * One Socket.IO client of the events benchmark, in a process of its own (forked by
 * `event-latency.ts`), so clients do not share one thread and their decoding does not show up
 * as the server's latency. Told over IPC where to connect, then (once every client is
 * connected) which window to measure; answers
 * with every `task_started` latency of the window (receive time − `startedAt`), how many events
 * it decoded meanwhile and its CPU time over the window.
 * With `batch`, it subscribes with `{batch: true}` and reads the `task_started` out of each
 * `events_batch`.
 */
import { io } from 'socket.io-client';

export interface ClientJob {
  url: string;
  batch: boolean;
}

/** Sent once every client is connected: the window of scheduled instants (epoch ms) measured. */
export interface ClientWindow {
  from: number;
  to: number;
}

export interface ClientReport {
  latencies: number[];
  /** Events decoded in the window (all kinds; each event of a batch counts). */
  received: number;
  cpuUs: number;
}

type Started = { scheduledFor: string; startedAt: string };

function run(job: ClientJob, window: Promise<ClientWindow>): void {
  const latencies: number[] = [];
  let received = 0;
  let counting = false;
  const socket = io(job.url, { transports: ['websocket'], reconnection: false });
  // Events arrive in order: once a start after the window is here, every start of the window is.
  let pastWindow: () => void = () => undefined;
  const windowComplete = new Promise<void>((resolve) => (pastWindow = resolve));
  const started = (event: Started, receivedAt: number) => {
    const scheduledFor = Date.parse(event.scheduledFor);
    if (scheduledFor >= measured.from && scheduledFor < measured.to)
      latencies.push(receivedAt - Date.parse(event.startedAt));
    else if (scheduledFor >= measured.to) pastWindow();
  };
  if (job.batch) {
    socket.on('events_batch', (events: Array<{ name: string; payload: Started }>) => {
      const receivedAt = Date.now();
      if (counting) received += events.length;
      for (const { name, payload } of events) if (name === 'task_started') started(payload, receivedAt);
    });
  } else {
    socket.on('task_started', (event: Started) => started(event, Date.now()));
    socket.onAny(() => {
      if (counting) received++;
    });
  }
  socket.once('connect_error', (error) => {
    process.stderr.write(`event client: ${error.message}\n`);
    process.exit(1);
  });
  let measured: ClientWindow = { from: Infinity, to: Infinity };
  socket.once('connect', async () => {
    if (job.batch) await socket.emitWithAck('subscribe', { batch: true });
    process.send!({ connected: true });
    measured = await window;
    await new Promise((resolve) => setTimeout(resolve, measured.from - Date.now()));
    counting = true;
    const cpuAtFrom = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, measured.to - Date.now()));
    counting = false;
    const cpu = process.cpuUsage(cpuAtFrom);
    // The window's last events may still be on their way (on a loaded machine, seconds).
    await Promise.race([windowComplete, new Promise((resolve) => setTimeout(resolve, 30_000))]);
    socket.disconnect();
    const report: ClientReport = { latencies, received, cpuUs: cpu.user + cpu.system };
    process.send!(report, () => process.exit(0));
  });
}

process.once('message', (job: ClientJob) =>
  run(job, new Promise((resolve) => process.once('message', (window: ClientWindow) => resolve(window)))),
);
