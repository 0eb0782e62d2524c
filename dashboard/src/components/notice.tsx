export interface NoticeState {
  kind: 'info' | 'error';
  text: string;
}

/** The outcome of the last action, announced to screen readers (an alert for errors). */
export function Notice(props: { notice: NoticeState | null; onDismiss: () => void }) {
  const { notice } = props;
  return (
    <div class="notice-area" aria-live="polite">
      {notice && (
        <div class={`notice ${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'}>
          <span>{notice.text}</span>
          <button type="button" class="link" onClick={props.onDismiss} aria-label="Dismiss message">
            ×
          </button>
        </div>
      )}
    </div>
  );
}
