// Package webhook is the wire protocol of complaint lifecycle events sent
// to webhook receivers: the CloudEvents and their payload, the Standard
// Webhooks signature, what a response means, the retry backoff, and the
// guarded HTTP clients and Sender that make one request. It holds no
// Kubernetes client and reads no clock (callers pass now); the delivery
// runtime (package delivery) decides when to send and records what came of
// it.
//
// A delivery is a CloudEvents 1.0 event in structured JSON mode
// (Content-Type application/cloudevents+json) sent by HTTP POST and signed
// the Standard Webhooks 1.0 way:
//
//	webhook-id:        the event id; identical on every retry (idempotency key)
//	webhook-timestamp: Unix seconds of the attempt
//	webhook-signature: v1,<base64(HMAC-SHA256(key, "<id>.<timestamp>.<body>"))>
//
// The HMAC key is the raw bytes of the Kubernetes Secret value, except that a
// value starting with "whsec_" is treated like the Standard Webhooks libraries
// do: the prefix is stripped and the rest base64-decoded (see [SigningKey]); a
// "whsec_" value that does not decode is refused, never used as it is.
//
// Response handling: 2xx is [Delivered]; 410 Gone is [Gone] (stop retrying);
// everything else, including redirects, network errors and timeouts, is
// [Retry]. 429 and 503 responses carry their Retry-After in
// [Result.RetryAfter]; otherwise the caller waits [Backoff.Delay]. An
// address the [AddressPolicy] refuses is [Refused]: nothing is sent.
//
// Nothing in this package logs, and no error or [Result.Message] contains
// the secret, the signature, or the webhook URL (which may embed tokens).
package webhook
