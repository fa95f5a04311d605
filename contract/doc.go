// Package contract holds the contract test of baton-miro against Miro's published OpenAPI document: every
// request the client sends and every response the simulator (internal/mirosim) answers in an end-to-end run is
// validated against the spec's operation. The spec is reference data and is not kept in this repository: the
// test reads it from MIRO_OPENAPI_SPEC or from shared/miro-openapi.json beside the checkout (see
// docs/miro-contract.md).
package contract
