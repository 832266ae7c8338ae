// Package domain holds sactl's types, validation, status derivation and typed
// errors. It does no I/O: the service layer applies these rules inside
// transactions, and every front end (CLI, HTTP) shows the same errors.
package domain
