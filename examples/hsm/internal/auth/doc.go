// Package auth holds the bearer tokens of the HSM server: which clients
// there are and what each may do.
//
// Tokens live in a JSON file under the data directory, created on first
// start with one admin token and mode 0600, so only the operator who
// started the server can read it:
//
//	{"tokens": [
//	  {"name": "admin", "token": "tk_…", "scopes": ["admin"]},
//	  {"name": "fts",   "token": "tk_…", "scopes": ["read", "stage"]}
//	]}
//
// An operator adds clients by editing the file and restarting. A token is
// compared in constant time against every known token, so neither the
// time of a refusal nor that of an acceptance tells how much of a guess
// was right or which client it matched.
package auth
