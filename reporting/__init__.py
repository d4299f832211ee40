"""Reports people read: charts of an advertiser's numbers with the cycles' decisions."""
