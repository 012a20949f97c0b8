#!/usr/bin/perl
$password = 'hunter2';
