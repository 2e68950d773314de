export { Catalog } from './catalog.js';
export { CATALOG_SCHEMA_VERSION } from './catalog-schema.js';
export type {
  ArtifactQuery,
  ArtifactRecord,
  FinishOperation,
  HistoryQuery,
  OperationDetails,
  OperationKind,
  OperationRecord,
  OperationStatus,
  StartOperation,
  VerificationResult,
} from './catalog-types.js';
