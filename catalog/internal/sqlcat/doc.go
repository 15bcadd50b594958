// Package sqlcat is the catalog logic shared by the SQLite and PostgreSQL
// catalogs: one schema design, the same SQL (with $n placeholders, which
// both databases accept) and the same validation, over a small Backend
// interface each driver implements. Only what differs lives in the driver
// packages: connections, transactions, bulk inserts, row locking and the
// mapping of constraint errors.
package sqlcat
