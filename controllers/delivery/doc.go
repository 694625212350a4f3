// Package delivery is the runtime that sends the notifications queued in
// the ledgers of Complaints and Escalations to their webhook receivers. It
// is the only place in the operator that sends: the lifecycle reconcilers
// only append to the ledgers, in the status write of each transition.
//
// [SetupWithManager] adds to a manager:
//   - one controller per ledger kind, which hands each destination's due
//     head (package ledger decides which) to the Dispatcher and never waits
//     on a receiver;
//   - the [Dispatcher], which makes the requests (package webhook) on its
//     own workers, in a lane per destination, and backs off a destination
//     whose receiver keeps failing;
//   - a recorder, which writes each outcome back into its ledger with the
//     Kubernetes client, merging again after a write conflict.
//
// It reads webhook Secrets around the manager's cache (kept for a few
// seconds), logs the status writes it must retry, and records [Metrics].
// Every instant and every timer (retries, backed-off destinations, the
// Secret cache) follows Options.Clock, so a fake clock drives all of it in
// tests. Only the leader sends and records.
package delivery
