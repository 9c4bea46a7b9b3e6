import type { Management } from 'auth0';

/** The Management API shapes the Dcr module reads, as the `auth0` SDK types them. */
export type Auth0Client = Management.Client;
export type Auth0ClientGrant = Management.ClientGrantResponseContent;
export type Auth0Connection = Management.ConnectionForList;
export type Auth0ResourceServer = Management.GetResourceServerResponseContent;
export type Auth0TenantSettings = Management.GetTenantSettingsResponseContent;
export type Auth0LogStream = Management.LogStreamResponseSchema;
