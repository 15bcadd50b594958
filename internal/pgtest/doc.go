// Package pgtest starts a throwaway PostgreSQL server for tests, from the
// system's PostgreSQL binaries, in a temporary directory, listening only
// on a unix socket inside it.
//
// A test package starts one server in TestMain (Main) and each test calls
// Require, which skips the test when no binaries are installed, or fails
// it when TAPEKIT_REQUIRE_POSTGRES=1 says they must be.
package pgtest
