/**
 * The cluster token: one shared secret per cluster ({@link
 * dev.prism.runtime.security.ClusterToken}), required on every gRPC call of every Prism server and
 * sent on every channel ({@link dev.prism.runtime.security.TokenAuth}), and on the object data
 * port's handshake. Who holds the token can run code on the cluster; nobody else can reach
 * anything. Without TLS the token protects against other users and machines that can connect, not
 * against someone who can read the network; with {@link dev.prism.runtime.security.TlsConfig TLS
 * files} every channel is encrypted and both sides are authenticated by certificate, and objects
 * move over TLS gRPC instead of the plain data port.
 */
package dev.prism.runtime.security;
