// Placeholder until the ProxyControl module lands; replaced by its first real file.
