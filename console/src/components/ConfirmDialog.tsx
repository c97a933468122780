import { useState, type ReactNode } from 'react';

export interface PendingAction {
  /** What will change, in words (the dialog names it before anything is sent). */
  title: string;
  detail: ReactNode;
  confirmLabel: string;
  run: (reason: string) => Promise<string | null>;
}

/** A modal confirmation naming what changes, with an optional reason recorded with the change. */
export function ConfirmDialog({ action, onClose }: { action: PendingAction; onClose: () => void }) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const confirm = async () => {
    setBusy(true);
    const failure = await action.run(reason.trim());
    setBusy(false);
    if (failure) setError(failure);
    else onClose();
  };
  return (
    <div className="modal-backdrop">
      <div className="modal" role="dialog" aria-modal="true" aria-labelledby="confirm-title" data-testid="confirm-dialog">
        <h2 id="confirm-title">{action.title}</h2>
        <div className="detail">{action.detail}</div>
        <label>
          Reason (recorded in the model's events)
          <input value={reason} onChange={(e) => setReason(e.target.value)} placeholder="optional" />
        </label>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="actions">
          <button type="button" className="secondary" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="button" className="danger" onClick={confirm} disabled={busy}>
            {busy ? 'Working…' : action.confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}
