// Package desk holds the pure logic of the kubectl desk plugin: the merge
// patches its work commands send, the checks that refuse a command before it
// reaches the API server, and the board, timeline and report built from
// complaints' status. Nothing here talks to the API server or reads the
// clock: callers pass the objects and now.
package desk
