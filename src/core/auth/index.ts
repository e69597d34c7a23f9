export { VendorAuth, type AuthContext } from "./base.js";
export {
  AuthorizationAuth,
  XAPIKeyAuth,
  XSmartTokenAuth,
  XTaleezAuth,
  type HeaderValueOptions,
  type XAPIKeyAuthOptions,
} from "./static.js";
export {
  OAuth2ClientCredentials,
  OAuth2EmailPasswordBody,
  OAuth2PasswordCredentialsBody,
  type OAuth2ClientCredentialsOptions,
  type OAuth2EmailPasswordBodyOptions,
  type OAuth2PasswordCredentialsBodyOptions,
} from "./oauth2.js";
