/** The pages' URLs, one place for the routes, the links between pages and whoever links to them (alerts, the CLI). */
export const REPORT_PAGES = '/reports';
export const reportPath = (id: number): string => `${REPORT_PAGES}/${id}`;
export const modelPath = (model: string): string => `/models/${encodeURIComponent(model)}`;
export const retrainPath = (id: string): string => `/retrains/${encodeURIComponent(id)}`;
