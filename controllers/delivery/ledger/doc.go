// Package ledger decides delivery from the ledger: the list of
// notifications in a Complaint's or an Escalation's status, the truth about
// what is still to be delivered. Reconcilers append to it (Enqueue) in the
// same write as the transition; the delivery runtime reads its heads
// (Heads), turns an attempt's result into an outcome (Decide), merges
// outcomes back (Apply) and says what they mean in the object's conditions
// (SetNotificationFailedCondition, SetNotifiedCondition).
//
// Every function is pure: no client, no clock (now is a parameter), no
// logging, no network; the input lists are never modified.
package ledger
