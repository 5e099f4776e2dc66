/**
 * A client's key for one answer (R9 resends): 32 hex characters from the platform's random source,
 * made once per answer and sent again with every resend of it. Works on plain-HTTP hall intranets,
 * where crypto.randomUUID does not.
 */
export function newSubmissionId(random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b)): string {
  return Array.from(random(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}
