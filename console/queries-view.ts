// The Queries panel: SQL run through the service's Athena API (StartQueryExecution, then
// GetQueryExecution polled until the query leaves QUEUED and RUNNING, then GetQueryResults), as the
// signed-in user, so the user's athena:*, S3 and KMS permissions decide as for any other client. A
// failed query shows its state and Athena's StateChangeReason; the first 1,000 result rows are shown.

import { athena } from './aws-calls.js';
import { byId, h } from './dom.js';
import type { Session } from './session.js';

interface QueryExecution {
  QueryExecutionId: string;
  Status: { State: string; StateChangeReason?: string };
  Statistics?: { DataScannedInBytes?: number; TotalExecutionTimeInMillis?: number };
}
interface ResultPage {
  ResultSet: { Rows: Array<{ Data: Array<{ VarCharValue?: string }> }> };
  NextToken?: string;
}

const POLL_MS = 300;

export class QueriesView {
  constructor(private readonly session: Session, private readonly act: (action: () => Promise<unknown>) => Promise<void>) {
    byId<HTMLFormElement>('query-form').onsubmit = (event) => {
      event.preventDefault();
      void this.act(() => this.run(new FormData(event.target as HTMLFormElement)));
    };
  }

  /** Nothing to refresh: the panel shows the last query's outcome until the next one. */
  async render(): Promise<void> {}

  private async run(data: FormData): Promise<void> {
    const status = byId('query-status');
    byId('query-results').replaceChildren();
    status.textContent = 'QUEUED';
    const { QueryExecutionId } = await athena<{ QueryExecutionId: string }>(this.session, 'StartQueryExecution', {
      QueryString: String(data.get('sql')), QueryExecutionContext: { Database: String(data.get('database')) || 'default' },
      ResultConfiguration: { OutputLocation: String(data.get('output')) },
    });
    let execution: QueryExecution;
    for (;;) {
      ({ QueryExecution: execution } = await athena<{ QueryExecution: QueryExecution }>(this.session, 'GetQueryExecution', { QueryExecutionId }));
      if (execution.Status.State !== 'QUEUED' && execution.Status.State !== 'RUNNING') break;
      status.textContent = execution.Status.State;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    const { State, StateChangeReason } = execution.Status;
    if (State !== 'SUCCEEDED') {
      status.textContent = `${State}: ${StateChangeReason ?? ''}`;
      return;
    }
    // SUCCEEDED is shown once its rows are: a reader (or a test) that sees it finds the rows on the page.
    const succeeded = `SUCCEEDED (${execution.Statistics?.DataScannedInBytes ?? 0} bytes scanned)`;
    status.textContent = 'Reading the results…';
    let page: ResultPage;
    try {
      page = await athena<ResultPage>(this.session, 'GetQueryResults', { QueryExecutionId, MaxResults: 1000 });
    } catch (error) {
      status.textContent = succeeded; // the query did succeed; the refusal to read its results is shown as the action's failure
      throw error;
    }
    const [header, ...rows] = page.ResultSet.Rows.map((row) => row.Data.map((datum) => datum.VarCharValue));
    if (header) {
      // A NULL (a Datum without VarCharValue) is shown as an empty, marked cell.
      const cell = (tag: 'th' | 'td', value: string | undefined) => (value === undefined ? h(tag, { class: 'null' }) : h(tag, tag === 'th' ? { scope: 'col' } : {}, value));
      byId('query-results').replaceChildren(
        h('caption', { class: 'visually-hidden' }, 'Query results'),
        h('thead', {}, h('tr', {}, ...header.map((name) => cell('th', name)))),
        h('tbody', {}, ...rows.map((row) => h('tr', {}, ...row.map((value) => cell('td', value))))),
      );
    } // else a DDL statement: no rows
    status.textContent = page.NextToken ? `${succeeded} — first 1,000 rows shown` : succeeded;
  }
}
