import { Sm2Signer } from '../common/crypto.js';
import { verdictOf, type ProvinceRecordType, type ProvinceVerdict } from './records.logic.js';

/**
 * The provincial platform over HTTP (R26): one POST of JSON per record to PROVINCE_URL, the record's
 * stable key in the `Idempotency-Key` header. The body is the interface record with `recordType`
 * (`service`, `evaluation` or `rectification`) and `recordKey` added. Under CRYPTO_PROFILE=sm the body
 * is signed with SM2 (`X-Signature-SM2`, docs/exchange.md).
 */
export class ProvinceClient {
  constructor(
    private readonly url: string,
    private readonly timeoutMs: number,
    private readonly signer: Sm2Signer | null = null,
  ) {}

  async send(type: ProvinceRecordType, recordKey: string, record: unknown): Promise<ProvinceVerdict> {
    let res: Response;
    let body: string;
    try {
      const json = JSON.stringify({ recordType: type, recordKey, ...(record as Record<string, unknown>) });
      const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', 'idempotency-key': recordKey };
      if (this.signer) headers[Sm2Signer.HEADER.toLowerCase()] = this.signer.sign(json);
      res = await fetch(this.url, {
        method: 'POST',
        headers,
        body: json,
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
