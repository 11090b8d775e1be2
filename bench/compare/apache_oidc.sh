# Sourced by the comparison scripts: Apache with mod_auth_openidc protecting /protected/index.txt,
# configured the way its documentation recommends for one server (server-side session cache in
# shared memory, PKCE, SameSite cookies).
#
#   write_apache_oidc ROOT PORT PAGE METADATA_URL CLIENT_ID SECRET PASSPHRASE
# writes ROOT/apache2.conf (run it with `apache2 -f ROOT/apache2.conf -DFOREGROUND`), serving
# PAGE at http://127.0.0.1:PORT/protected/index.txt.
write_apache_oidc() {
    local root=$1 port=$2 page=$3 metadata=$4 client_id=$5 secret=$6 passphrase=$7
    local mods=/usr/lib/apache2/modules user_lines=""
    mkdir -p "$root/htdocs/protected" "$root/run" "$root/logs" "$root/cache"
    cp "$page" "$root/htdocs/protected/index.txt"
    chmod -R a+rX "$root"
    [ "$(id -u)" != 0 ] || user_lines=$'User www-data\nGroup www-data'
    cat >"$root/apache2.conf" <<CONF
ServerRoot "$root"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
PidFile "$root/run/apache2.pid"
DefaultRuntimeDir "$root/run"
ErrorLog "$root/logs/error.log"
LogLevel warn
$user_lines
LoadModule mpm_event_module $mods/mod_mpm_event.so
LoadModule authn_core_module $mods/mod_authn_core.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule authz_user_module $mods/mod_authz_user.so
LoadModule mime_module $mods/mod_mime.so
LoadModule auth_openidc_module $mods/mod_auth_openidc.so
TypesConfig /etc/mime.types
KeepAlive On
MaxKeepAliveRequests 0
DocumentRoot "$root/htdocs"
<Directory "$root/htdocs">
    Require all granted
</Directory>
OIDCProviderMetadataURL $metadata
OIDCClientID $client_id
OIDCClientSecret $secret
OIDCRedirectURI http://127.0.0.1:$port/protected/redirect_uri
OIDCCryptoPassphrase $passphrase
OIDCScope "openid profile email"
OIDCPKCEMethod S256
OIDCSessionType server-cache
OIDCCacheType shm
OIDCCookieSameSite On
<Location /protected>
    AuthType openid-connect
    Require valid-user
</Location>
CONF
}
