import { OperationNotTrustedError } from '@modelplane/core';
import type { OperationAnalysis } from '../operation-analysis';
import { refusal } from '../refusal';
import type { TrustedDocuments } from '../trusted-documents';
import type { EdgeCheck } from './edge-check';

/** In allow-list mode (TRUSTED_DOCUMENTS), only documents of the manifest run: OPERATION_NOT_TRUSTED otherwise. */
export function checkTrusted(trusted: TrustedDocuments, analysis: OperationAnalysis): void {
  if (!trusted.has(analysis.documentHash)) throw refusal(new OperationNotTrustedError());
}

export function trustedDocumentsOnly(trusted: TrustedDocuments): EdgeCheck {
  return (_req, edge) => checkTrusted(trusted, edge.analysis!);
}
