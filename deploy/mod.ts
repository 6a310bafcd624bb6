/**
 * Deployment: the systemd unit renderer and the systemctl driver.
 * @module
 */
export {};
