/** `request-id` of the "Object Created" events the reconciliation sweep re-drives for objects the catalog never saw. */
export const RECONCILE_REQUEST_ID = 'landfall-reconcile';
