// Starts a transfer worker (transfer-worker.ts, beside the console's script) on one job and hands
// its reports to the caller; an S3 refusal the worker passes on becomes an AwsError here, where
// there is a DOMParser to read it.

import { xmlDocument } from './aws-calls.js';
import type { TransferJob, WorkerReport } from './transfer-protocol.js';

export interface RunningTransfer {
  /** Ends the worker now: whatever it was doing stops (its requests are cancelled). */
  stop(): void;
}

/** `onReport` gets each report; `onFailure` the worker's failure, as an error in AWS's words where S3 gave them. */
export function startTransfer(job: TransferJob, onReport: (report: WorkerReport) => void, onFailure: (error: Error) => void): RunningTransfer {
  const worker = new Worker(new URL('transfer-worker.js', import.meta.url), { type: 'module', name: `${job.op} ${job.path}` });
  worker.onmessage = ({ data: report }: MessageEvent<WorkerReport>) => {
    if (report.type !== 'failed') return onReport(report);
    worker.terminate();
    try {
      if (report.body !== undefined) xmlDocument(report.status!, false, report.statusText ?? '', report.body);
      onFailure(new Error(report.message));
    } catch (error) {
      onFailure(error as Error);
    }
  };
  worker.onerror = (event) => {
    worker.terminate();
    onFailure(new Error(`the transfer worker failed: ${event.message}`));
  };
  // The data key's buffer moves to the worker: the page keeps no copy of it.
  const dataKey = job.op === 'upload' ? job.envelope?.dataKey : job.dataKey;
  worker.postMessage(job, dataKey ? [dataKey.buffer] : []);
  return { stop: () => worker.terminate() };
}
