//! Client addresses: the key connection limits count by, trusted proxies, and the client
//! address a trusted proxy reports.
//!
//! IPv4 addresses count one by one; IPv6 addresses count by their /64, the smallest block
//! a home or a cloud machine is given (one host can use any of its 2^64 addresses).

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// What connection limits count by: an IPv4 address or an IPv6 /64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum AddrKey {
    V4(u32),
    V6Net(u64),
}

impl AddrKey {
    /// The key of `ip`; an IPv4-mapped IPv6 address counts as its IPv4 address.
    pub(crate) fn of(ip: IpAddr) -> AddrKey {
        match ip {
            IpAddr::V4(v4) => AddrKey::V4(u32::from(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => AddrKey::V4(u32::from(v4)),
                None => AddrKey::V6Net((u128::from(v6) >> 64) as u64),
            },
        }
    }
}

/// An address block, `10.0.0.0/8`, `2001:db8::/32`, or one address (`127.0.0.1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    prefix: u8,
}

/// Why a `--trusted-proxy` value was not understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CidrError(String);

impl fmt::Display for CidrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} is not an IP address or an address block like 10.0.0.0/8", self.0)
    }
}

impl std::error::Error for CidrError {}

impl FromStr for Cidr {
    type Err = CidrError;

    fn from_str(s: &str) -> Result<Cidr, CidrError> {
        let bad = || CidrError(s.to_owned());
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u8>().map_err(|_| bad())?)),
            None => (s, None),
        };
        let net: IpAddr = addr.trim().parse().map_err(|_| bad())?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        if prefix > max {
            return Err(bad());
        }
        Ok(Cidr { net, prefix })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.net, self.prefix)
    }
}

impl Cidr {
    /// Whether `ip` lies in this block (an IPv4-mapped IPv6 address as its IPv4 address).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => prefix_eq(u128::from(u32::from(n)) << 96, u128::from(u32::from(a)) << 96, self.prefix),
            (IpAddr::V6(n), IpAddr::V6(a)) => prefix_eq(u128::from(n), u128::from(a), self.prefix),
            _ => false,
        }
    }
}

fn prefix_eq(a: u128, b: u128, prefix: u8) -> bool {
    prefix == 0 || (a ^ b) >> (128 - u32::from(prefix)) == 0
}

/// The client's address for a request that arrived from `peer`: when `peer` is a trusted
/// proxy, the last address in its `X-Forwarded-For` header (the one the proxy itself
/// added; earlier entries come from the client and prove nothing), else `peer`.
pub(crate) fn client_ip(peer: IpAddr, trusted: &[Cidr], forwarded_for: Option<&str>) -> IpAddr {
    if !trusted.iter().any(|c| c.contains(peer)) {
        return peer;
    }
    forwarded_for.and_then(|h| h.rsplit(',').next()).and_then(parse_forwarded).unwrap_or(peer)
}

/// `1.2.3.4`, `2001:db8::1`, `[2001:db8::1]` or either with a port.
fn parse_forwarded(entry: &str) -> Option<IpAddr> {
    let e = entry.trim();
    if let Ok(ip) = e.parse() {
        return Some(ip);
    }
    if let Ok(sa) = e.parse::<std::net::SocketAddr>() {
        return Some(sa.ip());
    }
    e.strip_prefix('[').and_then(|r| r.strip_suffix(']')).and_then(|r| r.parse().ok())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ipv6_counts_by_its_64() {
        assert_eq!(AddrKey::of(ip("2001:db8:1:2::1")), AddrKey::of(ip("2001:db8:1:2:ffff::9")));
        assert_ne!(AddrKey::of(ip("2001:db8:1:2::1")), AddrKey::of(ip("2001:db8:1:3::1")));
        assert_eq!(AddrKey::of(ip("::ffff:10.0.0.1")), AddrKey::of(ip("10.0.0.1")));
        assert_ne!(AddrKey::of(ip("10.0.0.1")), AddrKey::of(ip("10.0.0.2")));
    }

    #[test]
    fn blocks() {
        let c: Cidr = "10.0.0.0/8".parse().unwrap();
        assert!(c.contains(ip("10.200.0.1")) && c.contains(ip("::ffff:10.0.0.1")) && !c.contains(ip("11.0.0.1")));
        let one: Cidr = "127.0.0.1".parse().unwrap();
        assert!(one.contains(ip("127.0.0.1")) && !one.contains(ip("127.0.0.2")));
        let v6: Cidr = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains(ip("2001:db8:ffff::1")) && !v6.contains(ip("2001:db9::1")));
        assert!("0.0.0.0/0".parse::<Cidr>().unwrap().contains(ip("8.8.8.8")));
        for bad in ["", "10.0.0.0/33", "::/129", "host", "10.0.0.0/x"] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn forwarded_for_only_from_a_trusted_proxy() {
        let trusted = ["127.0.0.1".parse().unwrap()];
        let h = Some("6.6.6.6, 203.0.113.9");
        assert_eq!(client_ip(ip("127.0.0.1"), &trusted, h), ip("203.0.113.9"));
        assert_eq!(client_ip(ip("192.0.2.1"), &trusted, h), ip("192.0.2.1"));
        assert_eq!(client_ip(ip("127.0.0.1"), &trusted, None), ip("127.0.0.1"));
        assert_eq!(client_ip(ip("127.0.0.1"), &trusted, Some("[2001:db8::1]:443")), ip("2001:db8::1"));
        assert_eq!(client_ip(ip("127.0.0.1"), &trusted, Some("junk")), ip("127.0.0.1"));
    }
}
