import { verdictOf, type ProvinceRecordType, type ProvinceVerdict } from './records.logic.js';

/**
 * The provincial platform over HTTP (R26): one POST of JSON per record to PROVINCE_URL, the record's
 * stable key in the `Idempotency-Key` header. The body is the interface record with `recordType`
 * (`service`, `evaluation` or `rectification`) and `recordKey` added.
 */
export class ProvinceClient {
  constructor(
    private readonly url: string,
    private readonly timeoutMs: number,
  ) {}

  async send(type: ProvinceRecordType, recordKey: string, record: unknown): Promise<ProvinceVerdict> {
    let res: Response;
    let body: string;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', 'idempotency-key': recordKey },
        body: JSON.stringify({ recordType: type, recordKey, ...(record as Record<string, unknown>) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      body = await res.text();
    } catch (err) {
      // A timeout or an unreachable endpoint: the record may or may not have landed; the key makes a resend safe.
      const detail = err instanceof Error ? (err.name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : err.message) : String(err);
      return { kind: 'retry', error: `province unreachable: ${detail}`, refusal: false };
    }
    return verdictOf(res.status, body);
  }
}
