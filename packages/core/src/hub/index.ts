export { DEFAULT_HF_ENDPOINT, hubConnection, nextLink, type HubConnection, type HubConnectionOptions } from './connection.js';
export { hubGet, type HubAnswer, type HubGetOptions } from './get.js';
